// Module resolution hook of the `minimal-kubelet` launcher (given to `module.register`; it runs on Node's
// loader thread). It adds the `@kubelet-kit/source` export condition to every resolution, as
// `node --conditions=@kubelet-kit/source` does, so the workspace packages resolve to their TypeScript
// sources (`src/index.ts`) rather than to a `dist/` that may not be built.

const SOURCE_CONDITION = "@kubelet-kit/source";

export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes(SOURCE_CONDITION)
    ? context.conditions
    : [...context.conditions, SOURCE_CONDITION];
  return nextResolve(specifier, { ...context, conditions });
}
