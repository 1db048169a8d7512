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

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"] as const;
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(lang(), {
    style: "unit",
    unit: UNITS[unit],
    unitDisplay: "short",
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
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
