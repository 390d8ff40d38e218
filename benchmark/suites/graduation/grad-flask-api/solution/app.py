"""A task list over JSON, in Flask."""

import sys

from flask import Flask, jsonify, request

app = Flask(__name__)
TASKS: list[dict] = []


def find(task_id: int) -> dict | None:
    return next((t for t in TASKS if t["id"] == task_id), None)


@app.get("/tasks")
def list_tasks():
    return jsonify(TASKS)


@app.post("/tasks")
def add_task():
    data = request.get_json(silent=True)
    title = data.get("title") if isinstance(data, dict) else None
    if not isinstance(title, str) or not title.strip():
        return jsonify(error="title is required"), 400
    task = {"id": len(TASKS) + 1, "title": title, "done": False}
    TASKS.append(task)
    return jsonify(task), 201


@app.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    task = find(task_id)
    return (jsonify(task), 200) if task else (jsonify(error="not found"), 404)


@app.patch("/tasks/<int:task_id>")
def update_task(task_id: int):
    task = find(task_id)
    if task is None:
        return jsonify(error="not found"), 404
    data = request.get_json(silent=True)
    if isinstance(data, dict) and isinstance(data.get("done"), bool):
        task["done"] = data["done"]
    return jsonify(task)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
