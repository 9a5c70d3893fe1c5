/* Caseload's additions to the Tryton web client (sao loads custom.js
   after itself). Copied into the installed client by `make sao`. */
(function() {
    'use strict';

    /* The server lists no databases (SECURITY.md §0.9), and sao 8.0 then
       ignores the database named in the address (#demo): fill it in. */
    var login_dialog = Sao.Session.login_dialog;
    Sao.Session.login_dialog = function() {
        var dialog = login_dialog.apply(this, arguments);
        var database = window.location.hash.replace(
            /^(#(!|))/, '').split('/', 1)[0];
        if (database) {
            dialog.database_input.val(decodeURIComponent(database));
        }
        return dialog;
    };
}());
