/** An MFA code as STS takes it: TokenCode is exactly six digits (STS API reference). */
export const MFA_CODE = /^\d{6}$/;
