const count = document.getElementById("count");
document.getElementById("increment").addEventListener("click", () => {
  count.textContent = String(Number(count.textContent) + 1);
});
document.getElementById("reset").addEventListener("click", () => {
  count.textContent = "0";
});
document.body.setAttribute("data-ready", "yes");
