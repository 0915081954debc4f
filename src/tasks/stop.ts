// Where a generated answer ends: the model starting the next turn of the conversation.
import { ASSISTANT, HUMAN } from "../world/format.ts";

export const ANSWER_STOP: readonly string[] = [HUMAN.trimEnd(), ASSISTANT];
