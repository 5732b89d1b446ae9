// A child for the credential-server tests: the JS SDK's default credential chain
// (no credentials given), GetCallerIdentity in a loop for argv[2] seconds.
// Prints one JSON line: calls, failures, the last ARN.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const client = new STSClient({ maxAttempts: 1 });
const end = Date.now() + Number(process.argv[2]) * 1000;
let calls = 0;
const failures = [];
let arn;
while (Date.now() < end) {
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    arn = identity.Arn;
    calls++;
  } catch (error) {
    failures.push(`${error.name}: ${error.message}`);
    if (failures.length > 5) break;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
process.stdout.write(JSON.stringify({ calls, failures, arn }) + "\n");
