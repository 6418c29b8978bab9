//! End-to-end tests of ticker: they live in `tests/browser/`, which starts the rest-api and
//! the ws-server in-process on a shared manual clock and drives the `/dashboard` page through
//! a real headless Chromium over the DevTools protocol. This library itself is empty.
