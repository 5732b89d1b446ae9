// Unique-enough suffixes for temporary and lock files. They need not be secret
// or unguessable (the files are opened with O_EXCL in a 0700 directory), so
// they avoid loading node:crypto on the fast path (docs/performance.md).
let counter = 0;
export function uniqueSuffix(): string {
  counter += 1;
  return `${process.pid}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 10)}`;
}
