const TASKS = [{id: 1, title: "Write brief", done: true}, {id: 2, title: "Build page", done: false}, {id: 3, title: "Check it", done: false}];
const list = document.getElementById("tasks");
for (const task of TASKS) {
  const item = document.createElement("li");
  item.className = task.done ? "task done" : "task";
  item.dataset.id = String(task.id);
  item.textContent = task.title;
  list.appendChild(item);
}
