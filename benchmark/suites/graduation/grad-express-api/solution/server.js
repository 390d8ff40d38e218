// A notes list over JSON, in Express.
const express = require('express');

const app = express();
app.use(express.json());
const notes = [];
let nextId = 1;

app.get('/notes', (req, res) => res.json(notes));

app.post('/notes', (req, res) => {
  const text = req.body && req.body.text;
  if (typeof text !== 'string' || !text.trim()) return res.status(400).json({ error: 'text is required' });
  const note = { id: nextId++, text };
  notes.push(note);
  res.status(201).json(note);
});

app.get('/notes/:id', (req, res) => {
  const note = notes.find((n) => n.id === Number(req.params.id));
  if (!note) return res.status(404).json({ error: 'not found' });
  res.json(note);
});

app.delete('/notes/:id', (req, res) => {
  const index = notes.findIndex((n) => n.id === Number(req.params.id));
  if (index < 0) return res.status(404).json({ error: 'not found' });
  notes.splice(index, 1);
  res.status(204).end();
});

app.listen(Number(process.env.PORT), '127.0.0.1');
