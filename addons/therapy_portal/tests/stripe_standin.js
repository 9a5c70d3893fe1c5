// In place of Stripe.js (https://js.stripe.com/v3/) for the browser tests:
// the payment element is a plain card number field, and confirmPayment /
// confirmSetup confirm the intent at the stand-in (stripe_standin.py) with
// the publishable key, as Stripe.js does at Stripe, then go to return_url.
// The stand-in keeps the card's last four digits (0341: declined when
// charged). Never used outside the tests.
window.Stripe = function (publishableKey) {
    'use strict';
    function confirm(kind, options) {
        const secret = options.elements.clientSecret;
        const id = secret.split('_secret_')[0];
        const number = document.getElementById('standin-card').value;
        const body = new URLSearchParams({
            client_secret: secret,
            card: number.replace(/\D/g, '').slice(-4),
        });
        return fetch(`STANDIN_URL/v1/${kind}/${id}/confirm`, {
            method: 'POST',
            headers: {'Authorization': `Bearer ${publishableKey}`},
            body: body,
        }).then(response => response.json()).then(answer => {
            if (answer.error) {
                return {error: answer.error};
            }
            window.location.assign(options.confirmParams.return_url);
            return {};
        });
    }
    return {
        elements(options) {
            return {
                clientSecret: options.clientSecret,
                create() {
                    return {
                        mount(selector) {
                            document.querySelector(selector).innerHTML =
                                '<label>Card number <input id="standin-card"' +
                                ' autocomplete="cc-number"></label>';
                        },
                    };
                },
            };
        },
        confirmPayment(options) {
            return confirm('payment_intents', options);
        },
        confirmSetup(options) {
            return confirm('setup_intents', options);
        },
    };
};
