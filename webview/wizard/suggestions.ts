// A list of choices under a text field, filtered as the user types (databases, tables). The field
// stays a free text field, so a name not listed (a new table) can still be typed. Keyboard: Down
// from the field enters the list, Up/Down move, Enter picks, Escape goes back to the field.

type FieldElement = HTMLElement & { value: string };

export interface SuggestionList {
  /** The items changed (a lookup came back): show them filtered by what the field holds. */
  refresh(): void;
}

const maxShown = 50;

export function attachSuggestions(input: FieldElement, list: HTMLElement, items: () => string[], pick: (item: string) => void): SuggestionList {
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', `${input.id} choices`);

  const options = () => Array.from(list.querySelectorAll<HTMLElement>('[role="option"]'));

  const refresh = () => {
    const text = input.value.trim().toLowerCase();
    const all = items();
    const matches = all.filter((item) => item.toLowerCase().includes(text));
    const exact = all.some((item) => item === input.value.trim());
    list.replaceChildren();
    list.hidden = matches.length === 0 || (exact && matches.length === 1);
    for (const item of matches.slice(0, maxShown)) {
      const option = document.createElement('li');
      option.setAttribute('role', 'option');
      option.tabIndex = -1;
      option.textContent = item;
      option.dataset.value = item;
      option.addEventListener('click', () => choose(item));
      list.append(option);
    }
    if (matches.length > maxShown) {
      const more = document.createElement('li');
      more.className = 'more';
      more.textContent = `… ${matches.length - maxShown} more: type to narrow the list`;
      list.append(more);
    }
  };

  const choose = (item: string) => {
    pick(item);
    refresh();
    input.focus();
  };

  input.addEventListener('input', refresh);
  input.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' && !list.hidden) {
      event.preventDefault();
      options()[0]?.focus();
    }
  });
  list.addEventListener('keydown', (event: KeyboardEvent) => {
    const all = options();
    const at = all.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'ArrowDown') all[Math.min(at + 1, all.length - 1)]?.focus();
    else if (event.key === 'ArrowUp') (at <= 0 ? input : all[at - 1]).focus();
    else if (event.key === 'Enter' || event.key === ' ') {
      const value = (document.activeElement as HTMLElement)?.dataset.value;
      if (value !== undefined) choose(value);
    } else if (event.key === 'Escape') input.focus();
    else return;
    event.preventDefault();
  });
  return { refresh };
}
