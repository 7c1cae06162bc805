import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

/**
 * A time-series chart drawn by uPlot (a canvas, ~50 kB): one x axis of UTC days and one line per series. The
 * numbers it draws are also in a table for screen readers (the canvas says nothing to them).
 */
export function TimeChart(props: {
  days: string[];
  series: ChartSeries[];
  title: string;
  height?: number;
  bars?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const data: uPlot.AlignedData = [xs, ...props.series.map((s) => s.values)];
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: props.height ?? 220,
        legend: { show: props.series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          { stroke: "#64748b", grid: { show: false } },
          { stroke: "#64748b", grid: { stroke: "#e2e8f0" }, size: 48 },
        ],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            fill: props.bars ? `${s.color}33` : `${s.color}14`,
            ...(props.bars ? { paths: uPlot.paths.bars?.({ size: [0.6, 40] }) } : {}),
            points: { show: false },
          })),
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: props.height ?? 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days, props.series, props.height, props.bars]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={`${props.title}: chart`} />
      <details class="chart-data">
        <summary>Data table</summary>
        <table>
          <caption class="sr-only">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {props.series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{d}</th>
                {props.series.map((s) => (
                  <td key={s.label}>{s.values[i]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
