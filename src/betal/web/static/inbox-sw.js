/*
 * The payer inbox's service worker, served at /inbox/sw.js (scope /inbox: the inbox page and below).
 * A push carries JSON {title, body, url}, encrypted by betal per RFC 8291 and decrypted by the browser;
 * it is shown as a notification, and a click opens its url (a page of this site when the url is not
 * an http(s) link).
 */
'use strict';

const FALLBACK_PATH = '/inbox';

function safeUrl(value) {
  try {
    const url = new URL(String(value), self.location.origin);
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      return url.href;
    }
  } catch (error) {
    /* not a URL: fall through to the inbox */
  }
  return new URL(FALLBACK_PATH, self.location.origin).href;
}

function readPayload(data) {
  if (!data) {
    return {};
  }
  try {
    const parsed = data.json();
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch (error) {
    return { body: data.text() };
  }
}

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  const title = typeof payload.title === 'string' && payload.title ? payload.title : 'betal';
  const options = {
    body: typeof payload.body === 'string' ? payload.body : '',
    icon: '/app/static/favicon.svg',
    data: { url: safeUrl(payload.url) },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === url && 'focus' in client);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
