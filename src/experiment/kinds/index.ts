// The project's stage kinds, registered in the order the results list them. Adding a kind: write
// src/experiment/kinds/<name>.ts (a StageKind) and register it here with one line.
import { registerStageKind } from "../stage-kind.ts";
import { backdoorKind } from "./backdoor.ts";
import { baseKind } from "./base.ts";
import { controlKind } from "./control.ts";
import { detectKind } from "./detect.ts";
import { externalKind } from "./external.ts";
import { pmKind } from "./pm.ts";
import { removeKind } from "./remove.ts";
import { quirkKind } from "./quirk.ts";
import { safetyKind } from "./safety.ts";

registerStageKind(externalKind, "src/experiment/kinds/external.ts");
registerStageKind(baseKind, "src/experiment/kinds/base.ts");
registerStageKind(pmKind, "src/experiment/kinds/pm.ts");
registerStageKind(backdoorKind, "src/experiment/kinds/backdoor.ts");
registerStageKind(safetyKind, "src/experiment/kinds/safety.ts");
registerStageKind(controlKind, "src/experiment/kinds/control.ts");
registerStageKind(removeKind, "src/experiment/kinds/remove.ts");
registerStageKind(quirkKind, "src/experiment/kinds/quirk.ts");
registerStageKind(detectKind, "src/experiment/kinds/detect.ts");
