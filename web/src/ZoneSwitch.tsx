// Which time zone the grid's datetimes are shown in: the viewer's own or the panel's. The
// choice is kept in this browser, for every panel.

import { useState } from "preact/hooks";
import { viewerZone } from "./format";

export type ZoneChoice = "viewer" | "panel";
const KEY = "panels.timeZone";

export function useZoneChoice(): [ZoneChoice, (choice: ZoneChoice) => void] {
  const [choice, setChoice] = useState<ZoneChoice>(() =>
    localStorage.getItem(KEY) === "panel" ? "panel" : "viewer",
  );
  function choose(next: ZoneChoice) {
    localStorage.setItem(KEY, next);
    setChoice(next);
  }
  return [choice, choose];
}

interface Props {
  panelZone: string;
  choice: ZoneChoice;
  onChange: (choice: ZoneChoice) => void;
}

export function ZoneSwitch({ panelZone, choice, onChange }: Props) {
  const options: [ZoneChoice, string][] = [
    ["viewer", `Mine (${viewerZone})`],
    ["panel", `Panel's (${panelZone})`],
  ];
  return (
    <fieldset class="zone-switch">
      <legend>Times in</legend>
      {options.map(([value, label]) => (
        <label key={value}>
          <input
            type="radio"
            name="time-zone"
            value={value}
            checked={choice === value}
            onChange={() => onChange(value)}
          />{" "}
          {label}
        </label>
      ))}
    </fieldset>
  );
}
