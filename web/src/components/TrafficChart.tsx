/** Received and sent bytes over time (ECharts, only the parts a line chart needs). */
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { formatBytes, formatDate } from "../i18n/format";

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export interface Sample {
  readonly at: string;
  readonly rxBytes: number;
  readonly txBytes: number;
}

export function TrafficChart({ samples }: { samples: readonly Sample[] }) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
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
        valueFormatter: (v: number) => formatBytes(v),
      },
      xAxis: {
        type: "time",
        axisLabel: {
          formatter: (v: number) =>
            new Intl.DateTimeFormat(i18n.language, { hour: "2-digit", minute: "2-digit" }).format(
              new Date(v),
            ),
        },
      },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => formatBytes(v) } },
      series: [
        {
          name: rx,
          type: "line",
          showSymbol: false,
          data: samples.map((s) => [s.at, s.rxBytes]),
          color: "#1f5fbf",
        },
        {
          name: tx,
          type: "line",
          showSymbol: false,
          data: samples.map((s) => [s.at, s.txBytes]),
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
  }, [samples, t, i18n.language]);
  const last = samples[samples.length - 1];
  return (
    <div
      ref={ref}
      role="img"
      aria-label={t("nodes.trafficChartLabel", {
        count: samples.length,
        at: last ? formatDate(last.at) : "—",
      })}
      style={{ width: "100%", height: 260 }}
    />
  );
}
