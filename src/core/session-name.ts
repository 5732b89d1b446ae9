/** Session names the AWS CLI generates: botocore-session-<Unix seconds>, shared by all hops of one run. */
export function defaultSessionName(now: Date): string {
  return `botocore-session-${Math.floor(now.getTime() / 1000)}`;
}
