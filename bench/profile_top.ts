// deno-lint-ignore-file no-console -- a command-line tool: the terminal is its interface
/**
 * `deno task bench:profile DIR [--top 30]`: where a V8 CPU profile's time
 * went (the newest `.cpuprofile` in DIR, as written by
 * `deno task bench:fanout --cpu-prof DIR`): self time and total time per
 * function, as a share of the samples that were not idle.
 *
 * @module
 */
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { top: { type: "string", default: "30" } },
});
const dir = positionals[0];
if (!dir) {
  console.error("Usage: deno task bench:profile DIR [--top 30]");
  Deno.exit(2);
}
const files = [...Deno.readDirSync(dir)]
  .filter((e) => e.name.endsWith(".cpuprofile"))
  .map((e) => `${dir}/${e.name}`)
  .sort((a, b) =>
    Deno.statSync(b).mtime!.getTime() - Deno.statSync(a).mtime!.getTime()
  );
if (files.length === 0) {
  console.error(`No .cpuprofile in ${dir}`);
  Deno.exit(1);
}
const profile = JSON.parse(Deno.readTextFileSync(files[0]!)) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const name = (n: ProfileNode) => {
  const file = n.callFrame.url.replace(/^.*\/(work\/main|npm)\//, "");
  return `${n.callFrame.functionName || "(anonymous)"} ${file}:${
    n.callFrame.lineNumber + 1
  }`;
};
const self = new Map<string, number>();
const total = new Map<string, number>();
let busy = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id)!;
  const us = profile.timeDeltas[i] ?? 0;
  if (node.callFrame.functionName === "(idle)") return;
  busy += us;
  self.set(name(node), (self.get(name(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at)!);
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + us);
  }
});
const top = Number(values.top);
const table = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(busy / 1000).toFixed(0)} ms busy)\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / busy * 100).toFixed(1).padStart(6)} %  ${key}`);
  }
};
console.log(files[0]);
table("Self time", self);
table("Total time", total);
