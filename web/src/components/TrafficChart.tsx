/**
 * Received and sent traffic over time as rates in bit/s (the difference of consecutive samples
 * over the time between them; ECharts, only the parts a line chart needs), with the totals over
 * the period the samples span. Axes use decimal rate units, whose nice round ticks never print
 * the same label twice, and at most one time label per minute (samples are a minute apart).
 */
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";
import { formatBitRate, formatBytes, formatDate } from "../i18n/format";
import { ratesOf } from "./rates";

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export interface Sample {
  readonly at: string;
  readonly rxBytes: number;
  readonly txBytes: number;
}

export function TrafficChart({ samples }: { samples: readonly Sample[] }) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const rates = useMemo(() => ratesOf(samples), [samples]);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: "canvas" });
    const rx = t("nodes.received");
    const tx = t("nodes.sent");
    chart.setOption({
      animation: false,
      grid: { left: 72, right: 16, top: 32, bottom: 32 },
      legend: { data: [rx, tx], top: 0 },
      tooltip: {
        trigger: "axis",
        valueFormatter: (v: number) => formatBitRate(v),
      },
      xAxis: {
        type: "time",
        minInterval: 60_000,
        axisLabel: {
          formatter: (v: number) =>
            new Intl.DateTimeFormat(i18n.language, { hour: "2-digit", minute: "2-digit" }).format(
              new Date(v),
            ),
        },
      },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: (v: number) => formatBitRate(v) } },
      series: [
        {
          name: rx,
          type: "line",
          showSymbol: false,
          data: rates.map((r) => [r.at, r.rxBps]),
          color: "#1f5fbf",
        },
        {
          name: tx,
          type: "line",
          showSymbol: false,
          data: rates.map((r) => [r.at, r.txBps]),
          color: "#d46b08",
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [rates, t, i18n.language]);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const minutes = first && last ? Math.round((Date.parse(last.at) - Date.parse(first.at)) / 60_000) : 0;
  return (
    <>
      {first && last && minutes > 0 ? (
        <p data-testid="traffic-totals" style={{ margin: "0 0 8px" }}>
          {t("nodes.trafficTotals", {
            rx: formatBytes(Math.max(0, last.rxBytes - first.rxBytes)),
            tx: formatBytes(Math.max(0, last.txBytes - first.txBytes)),
            minutes,
          })}
        </p>
      ) : null}
      <div
        ref={ref}
        role="img"
        aria-label={t("nodes.trafficChartLabel", {
          count: samples.length,
          at: last ? formatDate(last.at) : "—",
        })}
        style={{ width: "100%", height: 260 }}
      />
    </>
  );
}
