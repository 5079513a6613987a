'use strict'
// How the client calls the page back.

// Callbacks are never called synchronously from the method that got them.
// A callback that throws is reported as MQTT.js' would be, as an uncaught exception, not as
// a rejected promise nobody handles.
function defer (fn, a, b) {
  Promise.resolve().then(() => fn(a, b)).catch(rethrowLater)
}

// A throwing page listener must not stop the drive loop: report it the way an
// uncaught error in a timer would be reported.
function rethrowLater (err) {
  setTimeout(() => {
    throw err
  }, 0)
}

/**
 * A listener or hook that throws is reported like an uncaught error; `onThrow` then lets the
 * next packet come (a hook that threw will not call back).
 */
function guarded (fn, onThrow) {
  try {
    fn()
  } catch (e) {
    rethrowLater(e)
    if (onThrow) onThrow()
  }
}

/** A Promise over a Node-style callback API (the *Async methods). */
function promised (start) {
  return new Promise((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))))
}

module.exports = { defer, rethrowLater, guarded, promised }
