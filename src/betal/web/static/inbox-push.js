/*
 * The inbox's "Notify me on this device" button (W3C Push API): registers the service worker at
 * /inbox/sw.js, subscribes with the installation's VAPID public key as applicationServerKey and posts
 * PushSubscription.toJSON() to betal with the session's CSRF token. The button stays hidden in a
 * browser without service workers or push.
 */
(function () {
  'use strict';

  const box = document.getElementById('push-optin');
  if (!box || !('serviceWorker' in navigator)) {
    return;
  }
  const registered = navigator.serviceWorker
    .register(box.dataset.worker, { scope: box.dataset.scope })
    .catch(() => null);
  if (!('PushManager' in window) || !('Notification' in window)) {
    return;
  }
  const button = box.querySelector('button');
  const status = box.querySelector('[role="status"]');
  box.hidden = false;

  function say(key) {
    status.textContent = box.dataset[key] || '';
  }

  function bytesOf(base64url) {
    const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const current = subscription.options && subscription.options.applicationServerKey;
    if (!current) {
      return false;
    }
    const a = new Uint8Array(current);
    return a.length === key.length && a.every((byte, i) => byte === key[i]);
  }

  async function subscription(registration) {
    const answer = await fetch(box.dataset.keyUrl, { credentials: 'same-origin' });
    if (!answer.ok) {
      throw new Error('no application server key: HTTP ' + answer.status);
    }
    const key = bytesOf((await answer.json()).public_key);
    const existing = await registration.pushManager.getSubscription();
    if (existing && sameKey(existing, key)) {
      return existing;
    }
    if (existing) {
      await existing.unsubscribe();
    }
    return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      say('denied');
      return;
    }
    const registration = (await registered) && (await navigator.serviceWorker.ready);
    if (!registration) {
      throw new Error('the service worker did not register');
    }
    const device = await subscription(registration);
    const answer = await fetch(box.dataset.subscribeUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': box.dataset.csrf },
      body: JSON.stringify(device.toJSON()),
    });
    if (!answer.ok) {
      throw new Error('the subscription was refused: HTTP ' + answer.status);
    }
    say('done');
  }

  button.addEventListener('click', () => {
    button.disabled = true;
    say('none');
    turnOn()
      .catch(() => say('failed'))
      .finally(() => {
        button.disabled = false;
      });
  });
})();
