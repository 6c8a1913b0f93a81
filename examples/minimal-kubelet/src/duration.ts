// kubectl's human ages in tables ("45s", "3m12s", "5h"). Go duration strings ("20s", "1m0s") come from core.

export { formatGoDuration, parseGoDuration } from "@kubelet-kit/core";

/**
 * A short age with two or three significant figures, as kubectl prints AGE and "(… ago)" (apimachinery's
 * `duration.HumanDuration`): `0s`…`119s`, `2m5s`…`9m59s`, `10m`…`179m`, `3h`, `3h20m`…`7h59m`, `8h`…`47h`,
 * `2d`, `2d3h`…, `8d`…, `2y`, `2y3d`…, `8y`. Less than 2 s in the future is `0s`; further is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1_000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}
