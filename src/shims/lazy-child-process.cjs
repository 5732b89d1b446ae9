// Bundled in place of node:child_process for commander only (see the build
// script): commander loads child_process at import time, for executable
// subcommands awsrole never uses, and that import (with node:net behind it)
// costs ~5 ms of every start. This proxy loads the real module on first use.
let real;
module.exports = new Proxy(
  {},
  {
    get(_target, name) {
      real ??= require("node:child_process");
      return real[name];
    },
  },
);
