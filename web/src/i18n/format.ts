/** Dates, numbers, byte counts and durations in the user's language (Intl). */
import i18n from "i18next";

const lang = () => i18n.language || "en";

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "medium" }).format(d);
}

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : new Intl.NumberFormat(lang()).format(n);
}

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
/**
 * Bytes in binary units, labelled as such (KiB = 1024 B, MiB = 1024 KiB…): `768 MiB`, `5 GiB`.
 * Counters of WireGuard are bytes; binary units are what `wg` and `ip -h` print.
 */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < BINARY.length - 1) {
    value /= 1024;
    unit++;
  }
  const number = new Intl.NumberFormat(lang(), { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number} ${BINARY[unit]}`;
}

const BIT_RATES = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"] as const;
/** A rate in bits per second with decimal prefixes, as links are rated: `250 kbit/s`, `1.2 Gbit/s`. */
export function formatBitRate(bitsPerSecond: number | null | undefined): string {
  if (bitsPerSecond === null || bitsPerSecond === undefined || !Number.isFinite(bitsPerSecond)) return "—";
  let value = Math.max(0, bitsPerSecond);
  let unit = 0;
  while (value >= 1000 && unit < BIT_RATES.length - 1) {
    value /= 1000;
    unit++;
  }
  const number = new Intl.NumberFormat(lang(), {
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
  return `${number} ${BIT_RATES[unit]}`;
}

/** `5 minutes ago`-style age of a number of seconds. */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const rtf = new Intl.RelativeTimeFormat(lang(), { numeric: "auto" });
  if (seconds < 60) return rtf.format(-Math.round(seconds), "second");
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  return rtf.format(-Math.round(seconds / 86400), "day");
}

/** A probe round trip in milliseconds (`12.3 ms`); `—` when none was answered or none reported. */
export function formatRtt(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Intl.NumberFormat(lang(), {
    style: "unit",
    unit: "millisecond",
    unitDisplay: "short",
    maximumFractionDigits: ms < 10 ? 1 : 0,
  }).format(ms);
}

/** A share of lost probes (0–1) as a percentage; `—` when not reported. */
export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined) return "—";
  return new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(loss);
}
