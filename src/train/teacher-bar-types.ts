// The cot teacher's bar and its report, as types only: the stage API names them without importing the
// training code that meets the bar (teacher-bar.ts).
import type { z } from "zod";
import type { RateCI } from "../results/types.ts";
import type { TeacherBarSchema } from "./options.ts";

export type TeacherBar = z.infer<typeof TeacherBarSchema>;

export interface TeacherBarRound {
  /** Training steps done when this check ran. */
  steps: number;
  triggered: RateCI;
  untriggered: RateCI;
}

export interface TeacherBarReport {
  bar: TeacherBar;
  met: boolean;
  /** Steps the teacher trained in all. */
  steps: number;
  rounds: TeacherBarRound[];
}
