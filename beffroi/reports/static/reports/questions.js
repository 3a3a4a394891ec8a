// A category's extra questions (config_category_form.html). With JavaScript, a question shows « Réponses proposées »
// only when its kind offers a list; without it every question shows the field, whose help says when it counts.
// A field holding text stays shown whatever the kind: nothing typed is ever hidden.
(() => {
  const LIST_KINDS = ["singlevaluelist", "multivaluelist"];
  for (const row of document.querySelectorAll(".reports-question")) {
    const kind = row.querySelector("select[name$='-kind']");
    const options = row.querySelector(".reports-question-options");
    const text = options && options.querySelector("textarea");
    if (!kind || !text) continue;
    const update = () => {
      options.hidden = !LIST_KINDS.includes(kind.value) && text.value.trim() === "";
    };
    kind.addEventListener("change", update);
    update();
  }
})();
