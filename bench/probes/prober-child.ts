// Child process of the probe benchmark: the prober alone (createProbeManager with createProbeHandlers, real
// clock) probing one mode's synthetic containers, measured from inside. Run by main.ts, never on its own.
// Its RSS is taken before anything else loads, so the report can tell Node and the TypeScript loader apart
// from the prober.
const rssAtEntryBytes = process.memoryUsage.rss();
const { runProberChild } = await import("./prober-run.js");
runProberChild(rssAtEntryBytes);
