import type { PageMessages } from '../../domain/surveys/page-messages';
import type { Question } from '../../domain/surveys/questions';
import { localised } from '../../domain/surveys/questions';

export interface PageData {
  title: string;
  questions: {
    id: string;
    type: Question['type'];
    text: string;
    required: boolean;
    options: { id: string; text: string }[];
    show_if: Question['show_if'] | null;
  }[];
  answers: Record<string, unknown>;
  closed: boolean;
  submitUrl: string;
  /** The page's own words in its language. */
  messages: PageMessages;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The questions in the respondent's language, as the page's script renders them. */
export const pageQuestions = (questions: Question[], locale: string | undefined): PageData['questions'] =>
  questions.map((q) => ({
    id: q.id,
    type: q.type,
    text: localised(q, locale),
    required: q.required,
    options: (q.options ?? []).map((o) => ({ id: o.id, text: localised(o, locale) })),
    show_if: q.show_if ?? null,
  }));

// The page's script: renders the questions, shows a conditional question only for the answers that
// call for it, posts the answers as JSON and marks the questions a 400 names (in the page's language
// for the issues it knows, else with the API's words).
const SCRIPT = `
const data = JSON.parse(document.getElementById('survey-data').textContent);
const form = document.getElementById('survey');
const answers = Object.assign({}, data.answers);
const scale = (q) => q.type === 'nps' ? [0,1,2,3,4,5,6,7,8,9,10] : [1,2,3,4,5];
function shown(q) {
  if (!q.show_if) return true;
  const given = answers[q.show_if.question];
  if (given === undefined || !shown(data.questions.find((p) => p.id === q.show_if.question))) return false;
  return (Array.isArray(given) ? given : [given]).some((v) => q.show_if.answers.includes(v));
}
function field(q) {
  const box = document.createElement('fieldset');
  box.dataset.question = q.id;
  const legend = document.createElement('legend');
  legend.textContent = q.text;
  if (q.required) {
    const mark = document.createElement('abbr');
    mark.title = data.messages.requiredMark; mark.textContent = ' *';
    legend.appendChild(mark);
  }
  box.appendChild(legend);
  const name = 'q-' + q.id;
  if (q.type === 'text') {
    const area = document.createElement('textarea');
    area.name = name; area.rows = 4; area.maxLength = 2000; area.value = answers[q.id] || '';
    area.addEventListener('input', () => { answers[q.id] = area.value; });
    box.appendChild(area);
  } else {
    const choices = q.type === 'nps' || q.type === 'rating'
      ? scale(q).map((n) => ({ id: n, text: String(n) })) : q.options;
    for (const c of choices) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = q.type === 'multiple_choice' ? 'checkbox' : 'radio';
      input.name = name; input.value = String(c.id);
      const current = answers[q.id];
      input.checked = Array.isArray(current) ? current.includes(c.id) : current === c.id;
      input.addEventListener('change', () => {
        if (q.type === 'multiple_choice') {
          const set = new Set(answers[q.id] || []);
          input.checked ? set.add(c.id) : set.delete(c.id);
          answers[q.id] = [...set];
        } else answers[q.id] = c.id;
        render();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + c.text));
      box.appendChild(label);
    }
  }
  const error = document.createElement('p');
  error.className = 'error';
  box.appendChild(error);
  return box;
}
const boxes = data.questions.map((q) => { const b = field(q); form.insertBefore(b, form.lastElementChild); return b; });
function render() { data.questions.forEach((q, i) => { boxes[i].hidden = !shown(q); }); }
render();
if (data.closed) form.querySelectorAll('input, textarea, button').forEach((e) => { e.disabled = true; });
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  boxes.forEach((b) => { b.querySelector('.error').textContent = ''; });
  const body = {};
  data.questions.forEach((q) => { if (shown(q) && answers[q.id] !== undefined && answers[q.id] !== '') body[q.id] = answers[q.id]; });
  const res = await fetch(data.submitUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answers: body }) });
  const status = document.getElementById('status');
  if (res.ok) { status.textContent = data.messages.saved; return; }
  const problem = await res.json().catch(() => ({}));
  const said = { required: data.messages.required, invalid_answer: data.messages.invalid };
  for (const e of problem.errors || []) {
    const box = boxes.find((b) => b.dataset.question === e.question_id);
    if (box) box.querySelector('.error').textContent = said[e.code] || e.message;
  }
  const why = { invalid_answers: data.messages.check, survey_closed: data.messages.closed };
  status.textContent = why[problem.code] || data.messages.failed;
});
`;

/** The survey page: questions, earlier answers filled in, the form disabled once the survey has closed. */
export function surveyPageHtml(data: PageData, lang: string): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const notice = data.closed ? `<p id="closed">${escapeHtml(data.messages.closed)}</p>` : '';
  return (
    `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(data.title)}</title><style>` +
    `body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}fieldset{border:0;margin:0 0 1.2rem;padding:0}` +
    `legend{font-weight:bold;margin-bottom:.4rem}label{margin-right:.6rem;display:inline-block}textarea{width:100%}` +
    `.error{color:#b00020;margin:.2rem 0}</style></head><body>` +
    `<h1>${escapeHtml(data.title)}</h1>${notice}<form id="survey"><button type="submit">${escapeHtml(data.messages.send)}</button></form>` +
    `<p id="status" role="status"></p><script id="survey-data" type="application/json">${json}</script>` +
    `<script>${SCRIPT}</script></body></html>`
  );
}
