/** A column of a text table. Numbers are usually right-aligned. */
export interface Column {
  readonly title: string;
  readonly align?: "left" | "right";
}

/**
 * Renders rows as a Markdown table (`| a | b |`), padded so it also reads well in a terminal.
 * Cells are already formatted strings.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, 3, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const pad = (text: string, i: number): string => {
    const width = widths[i] ?? 0;
    return columns[i]?.align === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => pad(cell, i)).join(" | ")} |`;
  // `| --- | --: |`, as Biome formats Markdown tables, so the output can be pasted into docs unchanged.
  const rule = line(
    widths.map((width, i) =>
      columns[i]?.align === "right" ? `${"-".repeat(width - 1)}:` : "-".repeat(width),
    ),
  );
  return [line(columns.map((column) => column.title)), rule, ...rows.map(line)].join("\n");
}

/** Milliseconds with 3 significant decimals below 1 ms, 2 below 10 ms, 1 above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  return value.toFixed(1);
}

/** A rate as an integer with thousands separators (`12,345`). */
export function rate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/** A ratio as `1.23×`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}

/** Bytes in KiB with one decimal (`412.3 KiB`). */
export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Bytes in MiB with one decimal (`97.3 MiB`). */
export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : "n/a";
}

/** Milliseconds as seconds with 2 decimals below 10 s, 1 above (`1.23 s`). */
export function seconds(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return "n/a";
  const s = valueMs / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}
