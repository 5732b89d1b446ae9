# A child for the credential-server tests: boto3's default credential chain (no
# credentials given), GetCallerIdentity in a loop for argv[1] seconds. Prints one
# JSON line: calls, failures, the last ARN.
import json, sys, time

import boto3
from botocore.config import Config

client = boto3.client("sts", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
end = time.time() + float(sys.argv[1])
calls, failures, arn = 0, [], None
while time.time() < end:
    try:
        arn = client.get_caller_identity()["Arn"]
        calls += 1
    except Exception as error:  # noqa: BLE001 - every failure counts
        failures.append(f"{type(error).__name__}: {error}")
        if len(failures) > 5:
            break
    time.sleep(0.2)
print(json.dumps({"calls": calls, "failures": failures, "arn": arn}))
