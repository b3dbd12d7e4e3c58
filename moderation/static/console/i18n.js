/* Every word the console shows, in English and Ukrainian: one table, as in
 * the widget. A text with {name} placeholders; a plural one is an object of
 * Intl.PluralRules categories. */
"use strict";

export const STRINGS = {
  en: {
    title: "Moderation", skip: "Skip to the comments", language: "Language",
    signInTitle: "Sign in to moderate", token: "Moderator token",
    signInHelp: "An admin makes one with: flask --app wsgi moderators add NAME",
    keep: "Keep me signed in on this device", keepHelp: "Otherwise the token is forgotten when this tab closes.",
    signIn: "Sign in", checking: "Checking the token…", badToken: "This token was not accepted.",
    expired: "You were signed out: the token is no longer accepted.", signOut: "Sign out",
    signedInAs: "Signed in as {name} ({role})", admin: "admin", moderator: "moderator",
    sections: "Sections", queue: "Queue", log: "Audit log", rules: "Rules", data: "Data requests",
    queues: "Queues", pending: "Pending", approved: "Approved", rejected: "Rejected", spam: "Spam",
    waiting: { one: "{n} comment waiting", other: "{n} comments waiting" },
    article: "Article", filter: "Filter", allArticles: "All articles", onArticle: "Comments on {article}",
    close: "Close comments", reopen: "Reopen comments", isClosed: "Closed to new comments.",
    closed: "Closed {article} to new comments.", reopened: "Reopened {article} to new comments.",
    published: "Published on", setDate: "Set date", clearDate: "Clear date", dateSet: "Publication date: {date}.",
    dateCleared: "No publication date: the days count from the first comment.",
    selectAll: "Select all shown", selected: { one: "{n} selected", other: "{n} selected" },
    select: "Select the comment by {name}", approve: "Approve", reject: "Reject", markSpam: "Spam",
    requeue: "Back to pending", delete: "Delete", whenSpam: "When marking spam, block the author's",
    blockEmail: "address", blockNetwork: "network", withSelected: "With the selected comments",
    empty: "Nothing here.", loading: "Loading…", loadMore: "Load more", failed: "That did not work: {message}",
    forbidden: "Your role does not allow this.",
    approvedN: { one: "Approved {n} comment.", other: "Approved {n} comments." },
    rejectedN: { one: "Rejected {n} comment.", other: "Rejected {n} comments." },
    spamN: { one: "Marked {n} comment as spam.", other: "Marked {n} comments as spam." },
    pendingN: { one: "Put {n} comment back in the queue.", other: "Put {n} comments back in the queue." },
    deletedN: { one: "Deleted {n} comment.", other: "Deleted {n} comments." },
    blocked: "Blocked: {entries}.", undo: "Undo", undone: "Undone.",
    confirmDelete: { one: "Delete this comment for good? Its personal data goes with it; this cannot be undone.",
      other: "Delete {n} comments for good? Their personal data goes with them; this cannot be undone." },
    cancel: "Cancel", done: "Close", source: "Source", context: "Context", author: "More from this author",
    inReplyTo: "In reply to #{id}", parentGone: "The comment it replies to was deleted.", replies: "Replies",
    noReplies: "No replies.", authorNone: "No comments from this address.", open: "Open #{id}", thisOne: "(this one)",
    edited: "edited", earlierTexts: "Earlier texts, replaced by its author's edits", replaced: "Replaced",
    heldFor: "Held for", network: "Network {network}", agent: "Browser: {agent}", noClient: "Network and browser not kept.",
    by: "{status} by {name}", help: "Keyboard shortcuts", helpOpen: "Shortcuts (?)",
    keys: "j / k|Next / previous comment;a / r / s|Approve / reject / mark as spam;p|Back to pending;" +
      "d|Delete (asks first);x|Select or unselect;A / R / S|Act on the selected comments;u|Undo the last action;" +
      "v / c / m|Source / context / more from this author;1 – 4|Pending / approved / rejected / spam;" +
      "/|Filter by article;?|This help",
    when: "When", who: "Moderator", action: "Action", comment: "Comment", change: "Change",
    actClose: "Comments closed", actReopen: "Comments reopened", actResetClosed: "Closing by age restored",
    actSetPublishedAt: "Publication date changed",
    about: "Show", everything: "Everything", aboutComments: "Comments", aboutArticles: "Articles", aboutRules: "Rules",
    rulesIntro: "One entry per line. A new comment matching any entry goes to spam.",
    words: "Words and phrases", emails: "Email addresses", domains: "Email domains", networks: "IP addresses and networks",
    save: "Save", saved: "Saved.", rulesLog: "Changes to the rules",
    dataIntro: "Everything stored under one email address, or its erasure. The address travels in the request body, never in a URL.",
    email: "Email address", show: "Show what is stored", download: "Download as JSON",
    stored: { one: "{n} comment is stored under this address.", other: "{n} comments are stored under this address." },
    isBlocked: "The address is on the blocklist.", erase: "Erase everything",
    confirmErase: "Erase {n} comments and every personal datum of {email}? This cannot be undone.",
    erased: { one: "Erased {n} comment.", other: "Erased {n} comments." }, adminOnly: "Only an admin may erase.",
    fresh: { one: "{n} new comment is waiting.", other: "{n} new comments are waiting." }, showNew: "Show them",
  },
  uk: {
    title: "Модерація", skip: "Перейти до коментарів", language: "Мова",
    signInTitle: "Увійдіть, щоб модерувати", token: "Токен модератора",
    signInHelp: "Адміністратор створює його командою: flask --app wsgi moderators add NAME",
    keep: "Не виходити на цьому пристрої", keepHelp: "Інакше токен забудеться, щойно ви закриєте вкладку.",
    signIn: "Увійти", checking: "Перевіряємо токен…", badToken: "Цей токен не прийнято.",
    expired: "Ви вийшли: токен більше не дійсний.", signOut: "Вийти",
    signedInAs: "Ви увійшли як {name} ({role})", admin: "адміністратор", moderator: "модератор",
    sections: "Розділи", queue: "Черга", log: "Журнал дій", rules: "Правила", data: "Запити щодо даних",
    queues: "Черги", pending: "Очікують", approved: "Схвалені", rejected: "Відхилені", spam: "Спам",
    waiting: { one: "{n} коментар очікує", few: "{n} коментарі очікують", many: "{n} коментарів очікують",
      other: "{n} коментаря очікують" },
    article: "Стаття", filter: "Показати", allArticles: "Усі статті", onArticle: "Коментарі до {article}",
    close: "Закрити коментування", reopen: "Відкрити коментування", isClosed: "Нові коментарі не приймаються.",
    closed: "Коментування {article} закрито.", reopened: "Коментування {article} знову відкрито.",
    published: "Дата публікації", setDate: "Встановити дату", clearDate: "Прибрати дату",
    dateSet: "Дата публікації: {date}.", dateCleared: "Дати публікації немає: відлік днів іде від першого коментаря.",
    selectAll: "Вибрати всі показані", selected: { one: "Вибрано {n}", few: "Вибрано {n}", many: "Вибрано {n}", other: "Вибрано {n}" },
    select: "Вибрати коментар від {name}", approve: "Схвалити", reject: "Відхилити", markSpam: "Спам",
    requeue: "Повернути в чергу", delete: "Видалити", whenSpam: "Позначаючи спам, блокувати автора:",
    blockEmail: "адресу", blockNetwork: "мережу", withSelected: "З вибраними коментарями",
    empty: "Тут нічого немає.", loading: "Завантаження…", loadMore: "Показати ще", failed: "Не вдалося: {message}",
    forbidden: "Ваша роль цього не дозволяє.",
    approvedN: { one: "Схвалено {n} коментар.", few: "Схвалено {n} коментарі.", many: "Схвалено {n} коментарів.",
      other: "Схвалено {n} коментаря." },
    rejectedN: { one: "Відхилено {n} коментар.", few: "Відхилено {n} коментарі.", many: "Відхилено {n} коментарів.",
      other: "Відхилено {n} коментаря." },
    spamN: { one: "{n} коментар позначено як спам.", few: "{n} коментарі позначено як спам.",
      many: "{n} коментарів позначено як спам.", other: "{n} коментаря позначено як спам." },
    pendingN: { one: "{n} коментар повернуто в чергу.", few: "{n} коментарі повернуто в чергу.",
      many: "{n} коментарів повернуто в чергу.", other: "{n} коментаря повернуто в чергу." },
    deletedN: { one: "Видалено {n} коментар.", few: "Видалено {n} коментарі.", many: "Видалено {n} коментарів.",
      other: "Видалено {n} коментаря." },
    blocked: "Заблоковано: {entries}.", undo: "Скасувати", undone: "Скасовано.",
    confirmDelete: { one: "Видалити цей коментар назавжди? Разом з ним зникнуть особисті дані; скасувати це не можна.",
      few: "Видалити {n} коментарі назавжди? Разом з ними зникнуть особисті дані; скасувати це не можна.",
      many: "Видалити {n} коментарів назавжди? Разом з ними зникнуть особисті дані; скасувати це не можна.",
      other: "Видалити {n} коментаря назавжди? Разом з ними зникнуть особисті дані; скасувати це не можна." },
    cancel: "Скасувати", done: "Закрити", source: "Джерело", context: "Контекст", author: "Інше від цього автора",
    inReplyTo: "Відповідь на №{id}", parentGone: "Коментар, на який це відповідь, видалено.", replies: "Відповіді",
    noReplies: "Відповідей немає.", authorNone: "Коментарів з цієї адреси немає.", open: "Відкрити №{id}",
    thisOne: "(цей)",
    edited: "змінено", earlierTexts: "Попередні тексти, замінені правками автора", replaced: "Замінено",
    heldFor: "Затримано через", network: "Мережа {network}", agent: "Браузер: {agent}",
    noClient: "Мережу й браузер не збережено.",
    by: "{status}: {name}", help: "Клавіатурні скорочення", helpOpen: "Скорочення (?)",
    keys: "j / k|Наступний / попередній коментар;a / r / s|Схвалити / відхилити / позначити як спам;" +
      "p|Повернути в чергу;d|Видалити (з підтвердженням);x|Вибрати або зняти вибір;" +
      "A / R / S|Дія з вибраними коментарями;u|Скасувати останню дію;v / c / m|Джерело / контекст / інше від автора;" +
      "1 – 4|Очікують / схвалені / відхилені / спам;/|Фільтр за статтею;?|Ця довідка",
    when: "Коли", who: "Модератор", action: "Дія", comment: "Коментар", change: "Зміна",
    actClose: "Коментування закрито", actReopen: "Коментування відкрито", actResetClosed: "Закриття за віком відновлено",
    actSetPublishedAt: "Дату публікації змінено",
    about: "Показати", everything: "Усе", aboutComments: "Коментарі", aboutArticles: "Статті", aboutRules: "Правила",
    rulesIntro: "Один запис у рядку. Новий коментар, що збігається з будь-яким записом, потрапляє до спаму.",
    words: "Слова й фрази", emails: "Адреси електронної пошти", domains: "Поштові домени", networks: "IP-адреси й мережі",
    save: "Зберегти", saved: "Збережено.", rulesLog: "Зміни правил",
    dataIntro: "Усе, що збережено під однією адресою електронної пошти, або його стирання. Адреса йде в тілі запиту, ніколи в URL.",
    email: "Адреса електронної пошти", show: "Показати, що збережено", download: "Завантажити як JSON",
    stored: { one: "Під цією адресою збережено {n} коментар.", few: "Під цією адресою збережено {n} коментарі.",
      many: "Під цією адресою збережено {n} коментарів.", other: "Під цією адресою збережено {n} коментаря." },
    isBlocked: "Адреса в списку блокування.", erase: "Стерти все",
    confirmErase: "Стерти коментарі ({n}) та всі особисті дані {email}? Скасувати це не можна.",
    erased: { one: "Стерто {n} коментар.", few: "Стерто {n} коментарі.", many: "Стерто {n} коментарів.",
      other: "Стерто {n} коментаря." }, adminOnly: "Стирати може лише адміністратор.",
    fresh: { one: "Надійшов {n} новий коментар.", few: "Надійшли {n} нові коментарі.", many: "Надійшло {n} нових коментарів.",
      other: "Надійшло {n} нового коментаря." }, showNew: "Показати",
  },
};

export const LANGUAGES = { en: "English", uk: "Українська" };

/** The language kept on this device, else the browser's first known one, else English. */
export function pickLanguage(saved) {
  const wanted = [saved, ...(navigator.languages || [navigator.language])];
  return wanted.map((tag) => String(tag || "").toLowerCase().split(/[-_]/)[0]).find((lang) => lang in STRINGS) || "en";
}

/** t(key, {n, name...}) in one language; numbers are written the language's way. */
export function translator(lang) {
  const table = STRINGS[lang], plural = new Intl.PluralRules(lang);
  return (key, vars = {}) => {
    const entry = table[key];
    const text = typeof entry === "string" ? entry : entry[plural.select(vars.n)] || entry.other;
    return text.replace(/\{(\w+)\}/g, (_, name) => (typeof vars[name] === "number" ? vars[name].toLocaleString(lang) : vars[name]));
  };
}
