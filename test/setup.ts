// Runs before every test file. Tests must never read or write the developer's
// real ~/.aws: remove every AWS_* / AWSROLE_* variable (an *empty* AWS_PROFILE is
// a real value for the AWS CLI, so they are deleted, not blanked) and point HOME
// at a path that does not exist. Tests that need files make their own temp HOME.
for (const key of Object.keys(process.env)) {
  if (key.startsWith("AWS_") || key.startsWith("AWSROLE_") || key.startsWith("_AWS")) delete process.env[key];
}
process.env.HOME = "/nonexistent-awsrole-test-home";
process.env.NO_COLOR = "1";
// Tests that use @aws-sdk/client-sts in-process (the emulator's own tests) would
// print the SDK's Node-version notice; the CLI silences it itself, and its
// subprocesses get explicit environments without this variable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
