// The chart's module (and Chart.js with it) is fetched the first time a chart is shown.

import { useEffect, useState } from "preact/hooks";
import type { ChartProps } from "./Chart";

type ChartModule = typeof import("./Chart");
let loading: Promise<ChartModule> | null = null;

export function ChartLoader(props: ChartProps) {
  const [loaded, setLoaded] = useState<{ module: ChartModule } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    loading ??= import("./Chart");
    loading.then(
      (module) => setLoaded({ module }),
      (error: unknown) => {
        loading = null; // a later try fetches it again
        setFailed(String(error));
      },
    );
  }, []);
  if (failed) {
    return (
      <p role="alert" class="error">
        The chart could not be loaded ({failed}); reload the page.
      </p>
    );
  }
  if (!loaded) return <p class="muted">Loading the chart…</p>;
  return <loaded.module.ChartView {...props} />;
}
