// Child process of the pod-start benchmark: one agent (the example's createMinimalKubelet) starting N pods,
// measured from inside. Run by main.ts, never on its own: compiled (bench/dist/pods/agent-child.js, plain
// node) or, with --source, through tsx. Its RSS is taken before anything else loads, so the report can tell
// Node (and the TypeScript loader, when there is one) apart from the agent.
const rssAtEntryBytes = process.memoryUsage.rss();
const { runAgentChild } = await import("./agent-run.js");
await runAgentChild(rssAtEntryBytes);
