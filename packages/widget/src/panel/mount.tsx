import { render } from "preact";
import baseCss from "../base.css?raw";
import type { PanelHandle, PanelMountOptions } from "../types";
import { Panel } from "./Panel";
import panelCss from "./panel.css?raw";

export function mountPanel(root: ShadowRoot, { adoptStyles, ...options }: PanelMountOptions): PanelHandle {
  adoptStyles(root, baseCss + panelCss);
  const container = document.createElement("div");
  root.appendChild(container);
  render(<Panel {...options} />, container);
  return {
    unmount() {
      render(null, container);
      container.remove();
    },
  };
}
