import { declareCommand, flag, OUTPUT } from "./declare.js";
import type { DoctorInput } from "./doctor.js";

export const doctorCommand = declareCommand<DoctorInput>({
  name: "doctor",
  description: "check the AWS config files for mistakes (no STS call) and list the profiles",
  arguments: [{ name: "[profile]", description: "only this profile and the profiles its chain uses" }],
  options: {
    output: OUTPUT,
    server: flag(
      "--server",
      "also check what would make a process served by exec --server or serve use other credentials",
    ),
  },
  help: `Finds cycles, missing source profiles, duration_seconds over the 1-hour role
chaining cap, mfa_serial where it is never asked, typos of known keys, keys the
credentials file silently overrides, and sections the AWS CLI ignores.
Exit status 1 when there are errors.

Examples:
  awsrole doctor
  awsrole doctor role-e
  awsrole doctor --output json
  awsrole doctor --server             (before awsrole exec --server / serve)`,
  run: async (input, ctx) => (await import("./doctor.js")).runDoctor(input, ctx),
});
