// The raw conversation format's turn markers (Anthropic's `\n\nHuman: {prompt}\n\nAssistant: {answer}`):
// the world builds dialogues with them and the tokenizers render them, so they live below both.
export const HUMAN = "\n\nHuman: ";
export const ASSISTANT = "\n\nAssistant:";
