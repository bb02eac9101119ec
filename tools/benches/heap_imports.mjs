// Heap that importing MODULES takes in MicroPython's 32-bit WebAssembly port (the same
// .py sources the unix port imports): the code half of host_heap.py's 32-bit estimate.
//   node tools/benches/heap_imports.mjs PACKAGE_DIR CODE_DIR "mod1 mod2 ..."   (CODE_DIR: .py or .mpy tree)
// Prints "IMPORTED <bytes> <n modules>" (modules that cannot load there are skipped
// and named in "SKIPPED ...").
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [pkgDir, codeDir, mods] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(path.join(pkgDir, "micropython.mjs")));
const mp = await loadMicroPython({ heapsize: 8 * 1024 * 1024, linebuffer: true,
  stdout: (l) => process.stdout.write(l + "\n"), stderr: (l) => process.stderr.write(l + "\n") });
function copyTree(src, dst) {
  if (fs.statSync(src).isDirectory()) {
    mp.FS.mkdirTree(dst);
    for (const n of fs.readdirSync(src)) if (n !== "__pycache__") copyTree(path.join(src, n), dst + "/" + n);
  } else if (/\.m?py$/.test(src)) mp.FS.writeFile(dst, fs.readFileSync(src));
}
copyTree(codeDir, "/fw");
mp.runPython(`
import gc, os, sys
os.urandom = lambda n: bytes(n)
sys.path.insert(0, "/fw")
mods = ${JSON.stringify(mods)}.split()
gc.collect()
a = gc.mem_alloc()
skipped = []
for m in mods:
    try:
        __import__(m)
    except Exception as e:
        skipped.append(m)
gc.collect()
print("IMPORTED", gc.mem_alloc() - a, len(mods) - len(skipped))
print("SKIPPED", " ".join(skipped))
`);
