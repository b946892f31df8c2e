/**
 * The chat's static page: plain HTML and JavaScript, no build step. It lives in a string so that
 * `npm run build` (tsc) ships it in dist with the gateway, and the Docker image with it.
 *
 * It connects to `/ws` on the node that served it, joins a stream, shows the history and live
 * messages (deduplicated by `seq`), posts, and reconnects (joining again) when the connection
 * drops. Element ids (`user`, `stream`, `join`, `text`, `send`, `messages`, `status`, `errors`)
 * are what the browser test drives.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>coerce-ts sharded chat</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header, footer { padding: 8px 12px; background: #f2f2f2; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  #messages { flex: 1; overflow-y: auto; margin: 0; padding: 8px 12px; list-style: none; }
  #messages li { padding: 2px 0; }
  #messages .from { font-weight: 600; margin-right: 6px; }
  #messages .seq, #messages .at { color: #888; font-size: 12px; margin-right: 6px; }
  #status { color: #555; font-size: 13px; }
  #errors { color: #b00020; font-size: 13px; }
  #text { flex: 1; min-width: 12em; }
</style>
</head>
<body>
<header>
  <label>user <input id="user" maxlength="32" value=""></label>
  <label>stream <input id="stream" maxlength="64" value="lobby"></label>
  <button id="join">join</button>
  <span id="status">not connected</span>
  <span id="errors"></span>
</header>
<ul id="messages"></ul>
<footer>
  <input id="text" maxlength="2000" placeholder="message" disabled>
  <button id="send" disabled>send</button>
</footer>
<script>
(function () {
  'use strict'
  var $ = function (id) { return document.getElementById(id) }
  var ws = null
  var joined = null // { stream, user } once joined
  var lastSeq = 0
  var retry = 0
  $('user').value = 'guest-' + Math.floor(Math.random() * 10000)

  function status(text) { $('status').textContent = text }
  function showError(text) { $('errors').textContent = text }
  function url() { return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' }

  function render(m) {
    if (m.seq <= lastSeq) return // already shown (history and live messages overlap)
    lastSeq = m.seq
    var li = document.createElement('li')
    li.dataset.seq = String(m.seq)
    var seq = document.createElement('span'); seq.className = 'seq'; seq.textContent = '#' + m.seq
    var at = document.createElement('span'); at.className = 'at'; at.textContent = new Date(m.at).toLocaleTimeString()
    var from = document.createElement('span'); from.className = 'from'; from.textContent = m.from
    var text = document.createElement('span'); text.className = 'text'; text.textContent = m.text
    li.append(seq, at, from, text)
    $('messages').append(li)
    $('messages').scrollTop = $('messages').scrollHeight
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame))
  }

  function connect() {
    ws = new WebSocket(url())
    status('connecting')
    ws.onopen = function () {
      retry = 0
      status('connected to ' + location.host)
      if (joined) send({ type: 'join', stream: joined.stream, user: joined.user })
    }
    ws.onmessage = function (ev) {
      var f
      try { f = JSON.parse(ev.data) } catch (e) { return }
      if (f.type === 'history') {
        if (!joined || f.stream !== joined.stream) return
        for (var i = 0; i < f.messages.length; i++) render(f.messages[i])
        status('in ' + f.stream + ' as ' + joined.user + ' (' + location.host + ')')
        $('text').disabled = false; $('send').disabled = false
      } else if (f.type === 'message') {
        if (joined && f.stream === joined.stream) render(f)
      } else if (f.type === 'error') {
        showError(f.code + ': ' + f.message)
      }
    }
    ws.onclose = function () {
      $('text').disabled = true; $('send').disabled = true
      retry = Math.min(retry + 1, 5)
      status('disconnected; reconnecting')
      setTimeout(connect, 500 * retry)
    }
  }

  $('join').onclick = function () {
    var stream = $('stream').value.trim()
    var user = $('user').value.trim()
    if (joined && joined.stream !== stream) { send({ type: 'leave', stream: joined.stream }); $('messages').textContent = ''; lastSeq = 0 }
    joined = { stream: stream, user: user }
    showError('')
    send({ type: 'join', stream: stream, user: user })
  }
  function post() {
    var text = $('text').value
    if (!joined || text.trim() === '') return
    send({ type: 'post', stream: joined.stream, text: text })
    $('text').value = ''
  }
  $('send').onclick = post
  $('text').onkeydown = function (ev) { if (ev.key === 'Enter') post() }
  connect()
})()
</script>
</body>
</html>
`
