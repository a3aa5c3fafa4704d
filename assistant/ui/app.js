() => {
  // Opening an article scrolls its box to the quote; a "Said by" name opens that speaker in the
  // Who said what tab; clicking a marker [n] brings source n of the same answer into view.
  // Document-level listeners survive Gradio re-rendering messages; markers and sources are
  // matched by their "[n]" text, as the Chatbot's sanitizer drops data-* attributes.
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open || !details.matches('details.article')) return;
    const box = details.querySelector('.article-text');
    const mark = box && box.querySelector('mark');
    if (!mark) return;
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
    details.scrollIntoView({block: 'nearest'});
  }, true);
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element && event.target.closest('.speaker-link');
    if (!link) return;
    event.preventDefault();
    [...document.querySelectorAll('button[role="tab"]')].find((b) => b.textContent.trim() === 'Who said what')?.click();
    const fill = (tries) => {  // the tab's inputs exist once it has been shown
      const box = document.querySelector('#who-speaker input, #who-speaker textarea');
      if (!box) { if (tries > 0) setTimeout(() => fill(tries - 1), 100); return; }
      box.value = link.textContent;
      box.dispatchEvent(new Event('input', {bubbles: true}));
      setTimeout(() => document.querySelector('#who-find')?.click(), 100);
    };
    fill(30);
  }, true);
  document.addEventListener('click', (event) => {
    const cite = event.target instanceof Element && event.target.closest('.cite:not(.missing)');
    const card = cite && [...cite.closest('.qa').querySelectorAll('.source')]
      .find((source) => source.querySelector('.source-n').textContent === cite.textContent);
    if (!card) return;
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1500);
  });
}
