// Runs one portable test module in MicroPython's WebAssembly port under Node.js: a 32-bit
// build (31-bit small ints, sys.maxsize 2**31-1), the integer model of the boards.
// The port has no file system of ours, no os.urandom, no os.getenv, no viper and no
// sockets: the firmware, the portable tests and the vectors are copied into its memory
// file system, urandom comes from Node's crypto, getenv from this process's environment
// (NTS_* only), and host_tests/mprun.py runs the module as it does on the unix port.
//
//   node host_tests/wasm/run_module.mjs PACKAGE_DIR REPO_ROOT MODULE [HEAP_BYTES]
import { randomFillSync } from "crypto";
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [pkgDir, root, moduleName, heapArg] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(path.join(pkgDir, "micropython.mjs")));
const mp = await loadMicroPython({
  heapsize: Number(heapArg || 8 * 1024 * 1024),
  linebuffer: true,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

const REPO = "/repo";
function copyTree(rel) {
  const src = path.join(root, rel);
  if (!fs.existsSync(src)) return;
  const dst = path.posix.join(REPO, rel.split(path.sep).join("/"));
  if (fs.statSync(src).isDirectory()) {
    mp.FS.mkdirTree(dst);
    for (const name of fs.readdirSync(src)) {
      if (name !== "__pycache__") copyTree(path.join(rel, name));
    }
  } else if (/\.(py|jsonl|json|pem|der)$/.test(src)) {
    mp.FS.writeFile(dst, fs.readFileSync(src));
  }
}
for (const rel of ["firmware", path.join("host_tests", "portable"),
                   path.join("host_tests", "mprun.py"), path.join("build", "vectors")]) {
  copyTree(rel);
}

const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith("NTS_")) env[k] = v;
}
mp.registerJsModule("_wasm_host", {
  urandom: (n) => Array.from(randomFillSync(new Uint8Array(n))),
  env: JSON.stringify(env),
});
try {
  mp.runPython(`
import json, os, sys
import _wasm_host
os.chdir("${REPO}")
_env = json.loads(_wasm_host.env)
os.urandom = lambda n: bytes(_wasm_host.urandom(n))
os.getenv = lambda name, default=None: _env.get(name, default)
sys.argv.append("host_tests/mprun.py")
sys.argv.append(${JSON.stringify(moduleName)})
with open("host_tests/mprun.py") as _f:
    _code = _f.read()
exec(_code, {"__name__": "__main__"})
`);
} catch (e) {
  process.stderr.write(String(e) + "\n");
  process.exit(1);
}
