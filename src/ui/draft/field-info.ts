// Live notes under the prompt fields, following the draft: token counts per chunk, and what the chosen style adds.
import type { TokenCount } from '../../worker/protocol';
import { describeNegative2, describeStyle, describeTokens } from '../prompt-info';
import type { RequestDraft, RequestForm } from '../request-form';
import type { DraftStore } from './draft-store';

const PROMPT_FIELDS = ['prompt', 'negative_prompt', 'prompt_2', 'negative_prompt_2'] as const;

/** Keeps the notes current; `refresh()` recounts (after a model load, whose tokenizer may differ). */
export function createFieldInfo(form: RequestForm, store: DraftStore, countTokens: (text: string) => Promise<TokenCount | undefined>): { refresh(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = (draft: Readonly<RequestDraft>) => {
    form.setInfo('style_preset', describeStyle(String(draft.style_preset ?? 'base')));
    clearTimeout(timer);
    // Counted a moment after typing stops, not on every key.
    timer = setTimeout(() => {
      for (const field of PROMPT_FIELDS) {
        const text = typeof draft[field] === 'string' ? (draft[field] as string) : '';
        const note = field === 'negative_prompt_2' ? describeNegative2(draft) : '';
        void countTokens(text).then((c) => form.setInfo(field, note || (c && text ? describeTokens(c) : '')));
      }
    }, 150);
  };
  store.subscribe(update);
  update(store.get());
  return { refresh: () => update(store.get()) };
}
