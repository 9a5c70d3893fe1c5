/* Caseload's additions to the sao web client (served as custom.js, which
 * sao's index.html loads after tryton-sao.js).
 *
 * One click on a list-row button. In sao 8.0 a button in a list row acts
 * only on the current record: Sao.View.Tree.ButtonColumn.button_clicked
 * returns early ("Need to raise the event to get the record selected")
 * when the row is not yet selected, so the first click merely selects the
 * row and a second click is needed to press the button. And right after a
 * wizard or a button, sao reloads the list's records but keeps their rows
 * drawn: a click then finds the record's values unloaded, reads the button
 * as invisible and lets the click through to the row, which unselects it.
 * Here the click selects its row itself (as a plain click on the row would:
 * only this row, current record set), loads the record's values when they
 * are stale, and then presses the button, all in the same click. */
(function() {
    'use strict';
    var ButtonColumn = Sao.View.Tree.ButtonColumn;
    var button_clicked = ButtonColumn.prototype.button_clicked;
    ButtonColumn.prototype.button_clicked = function(event) {
        var record = event.data[0];
        var view = this.view;
        var row = view.rows.find(function(row) {
            return row.record == record;
        });
        if (record != view.screen.current_record) {
            if (!row) {
                return true;
            }
            view.select_records(null, null);
            row.set_selection(true);
            row.selection_changed();
            if (record != view.screen.current_record) {
                return true;
            }
        }
        if (!record.get_loaded()) {
            record.load('*', false);  // synchronous: the click waits
        }
        var states = record.expr_eval(this.attributes.states || {});
        if (states.invisible || states.readonly) {
            // a stale button: redraw the row, keep it selected
            event.stopImmediatePropagation();
            if (row) {
                row._drawed_record = null;
                row.redraw(view.get_selected_paths());
            }
            return false;
        }
        return button_clicked.call(this, event);
    };
}());

/* A check box in an editable list (the "Choose" column of Find a Slot and
 * Reschedule): sao 8.0's BooleanColumn.clicked reads this.group, which a
 * column does not have, and throws after setting the value. The same
 * handler, reading the record's group. */
(function() {
    'use strict';
    Sao.View.Tree.BooleanColumn.prototype.clicked = function(evt) {
        var record = evt.data.record;
        var cell = evt.data.cell;
        var current_record = this.tree.screen.current_record;
        var fields = this.tree.get_fields();
        if (!current_record || current_record.validate(
                fields, false, false)) {
            this.field.set_client(record, cell.prop('checked'));
            if (!record.group.parent && (record !== current_record)) {
                // the editable list's handler will not save this row
                record.save();
            }
        } else {
            evt.preventDefault();
        }
    };
}());

/* The server lists no databases (SECURITY.md §0.9), and sao 8.0 then
 * ignores the database named in the address (#demo): fill it in. */
(function() {
    'use strict';
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

/* A drop-down chosen in a dialog, saved blank. Redrawing a form's
 * drop-down first empties and refills its choices, and sets its value back
 * only a moment later (a promise). Anything that copies the form's widgets
 * into the record within that moment copies the empty choice: after Add in
 * a one2many dialog whose list has a sequence, sao renumbers the list,
 * redraws the still-open form and copies its widgets, and the payer
 * modifier rule's chosen discipline (an objective's measure, a form
 * question's type) was written as nothing. A drop-down that is being
 * redrawn shows nothing new: it neither copies itself into the record nor
 * counts as modified until its value is back. */
(function() {
    'use strict';
    var Selection = Sao.View.Form.Selection.prototype;
    var display_update_selection = Selection.display_update_selection;
    Selection.display_update_selection = function() {
        this._caseload_redrawing = (this._caseload_redrawing || 0) + 1;
        var done = () => {
            this._caseload_redrawing -= 1;
        };
        var prm;
        try {
            prm = display_update_selection.apply(this, arguments);
        } catch (error) {
            done();
            throw error;
        }
        jQuery.when(prm).always(done);
        return prm;
    };
    var set_value = Selection.set_value;
    Selection.set_value = function() {
        if (this._caseload_redrawing) {
            return;
        }
        return set_value.apply(this, arguments);
    };
    var modified = Object.getOwnPropertyDescriptor(Selection, 'modified');
    Object.defineProperty(Selection, 'modified', {
        get: function() {
            return !this._caseload_redrawing && modified.get.call(this);
        },
    });
}());

/* Idle lock (SECURITY.md SEC-AC-03). The server ends a staff session after
 * `[caseload] session_idle` seconds without a request and `session_max`
 * seconds after the login (therapy_audit/login.py), and gives both limits
 * in the user's preferences. Here sao clears the screen and the stored
 * session a little before the server would: no open record, dialog, menu
 * or title is left for whoever sits down at an unattended screen, and
 * nobody is offered a password prompt over a client's chart.
 *
 * - Activity is a key, pointer, touch or wheel event in any sao tab of the
 *   browser: a localStorage stamp shared by the tabs keeps them all alive.
 * - Activity without requests (reading, typing a long note) still moves
 *   the server's idle clock: a light request every `ping` seconds of
 *   activity. The server stamps activity every `stamp` seconds at most;
 *   the lock fires `margin` = stamp + ping + a little before the idle
 *   limit, so it always comes first.
 * - The lock closes every tab and dialog without a save prompt (and without
 *   a request: an unsaved edit is lost, as at the server's end), logs the
 *   session out (localStorage's sao_session_<db>, sessionStorage's context,
 *   the server's session and cookie) and shows the login dialog.
 * - An input after the lock was due (a laptop woken from sleep) is eaten
 *   and locks; a 401 while idle or past the absolute limit locks instead
 *   of prompting over the screen. A 401 while in use (a sensitive action
 *   after the fresh-login window) keeps sao's prompt-and-repeat.
 * - Another tab's logout or lock (its sao_session_<db> removed) locks this
 *   tab too: they share the server's session cookie. */
(function() {
    'use strict';
    var EVENTS = ['keydown', 'pointerdown', 'pointermove', 'touchstart',
        'wheel'];
    var lock = {
        idle: null,  // ms of the server's idle limit
        max: null,  // ms of its absolute limit
        database: null,
        timer: null,
        last_request: 0,
        last_stamp: 0,
    };
    Sao.IdleLock = lock;

    function seconds(value) {
        return value * 1000;
    }
    function stamp_ms(idle) {
        // therapy_audit.login.stamp_interval
        return Math.min(idle / 20, seconds(30));
    }
    function ping_ms(idle) {
        return Math.min(idle / 20, seconds(15));
    }
    function margin_ms(idle) {
        return stamp_ms(idle) + ping_ms(idle) + Math.min(
            idle / 10, seconds(5));
    }
    function activity_key() {
        return 'caseload_activity_' + lock.database;
    }
    function login_key(database) {
        return 'caseload_login_' + database;
    }
    function stored_time(key) {
        return parseInt(localStorage.getItem(key), 10) || 0;
    }
    lock.last_activity = function() {
        return stored_time(activity_key());
    };
    lock.running = function() {
        return lock.idle !== null;
    };
    // whether the lock is due: idle too long, or the login too old
    lock.due = function() {
        if (!lock.running()) {
            return false;
        }
        var now = Date.now();
        var login = stored_time(login_key(lock.database));
        return ((now - lock.last_activity() >= lock.idle - margin_ms(
                        lock.idle))
            || (login && now - login >= lock.max - Math.min(
                    lock.idle / 10, seconds(5))));
    };

    function schedule() {
        window.clearTimeout(lock.timer);
        if (!lock.running()) {
            return;
        }
        if (lock.due()) {
            lock.lock();
            return;
        }
        var now = Date.now();
        var wait = lock.last_activity() + lock.idle - margin_ms(lock.idle)
            - now;
        var login = stored_time(login_key(lock.database));
        if (login) {
            wait = Math.min(wait, login + lock.max - Math.min(
                    lock.idle / 10, seconds(5)) - now);
        }
        // a sleeping laptop's timers stop: look again every 10 s at most
        lock.timer = window.setTimeout(
            schedule, Math.max(200, Math.min(wait, seconds(10))));
    }

    function activity(event) {
        if (!lock.running()) {
            return;
        }
        if (lock.due()) {
            // the screen should be clear already: this input is not for it
            event.preventDefault();
            event.stopImmediatePropagation();
            lock.lock();
            return;
        }
        var now = Date.now();
        if (now - lock.last_stamp >= 1000) {
            lock.last_stamp = now;
            localStorage.setItem(activity_key(), String(now));
        }
        var session = Sao.Session.current_session;
        if (session && session.user_id
                && now - lock.last_request >= ping_ms(lock.idle)) {
            // the server's idle clock follows the user's, not the requests
            lock.last_request = now;
            Sao.rpc({
                'method': 'model.res.user.get_preferences',
                'params': [true, {}],
            }, session, true, false);
        }
    }
    for (const name of EVENTS) {
        window.addEventListener(name, activity, {
            capture: true, passive: false});
    }
    jQuery(document).ajaxSend(function(event, xhr, settings) {
        if (settings.url && settings.url.indexOf('/rpc/') >= 0) {
            lock.last_request = Date.now();
        }
    });
    document.addEventListener('visibilitychange', schedule);
    window.addEventListener('focus', schedule);
    window.addEventListener('storage', function(event) {
        if (lock.running() && event.key === 'sao_session_' + lock.database
                && event.newValue === null) {
            lock.lock();
        }
    });

    lock.start = function(preferences) {
        var session = Sao.Session.current_session;
        if (!session || !preferences.caseload_session_idle) {
            return;
        }
        lock.database = session.database;
        lock.idle = seconds(preferences.caseload_session_idle);
        lock.max = seconds(preferences.caseload_session_max || 43200);
        var now = Date.now();
        if (!stored_time(login_key(lock.database))) {
            // a session restored without its login time: from now on
            localStorage.setItem(login_key(lock.database), String(now));
        }
        localStorage.setItem(activity_key(), String(now));
        lock.last_stamp = now;
        schedule();
    };
    lock.stop = function() {
        window.clearTimeout(lock.timer);
        lock.idle = null;
    };
    // clear the screen and the session, then ask for a login
    lock.lock = function() {
        var database = lock.database;
        lock.stop();
        var session = Sao.Session.current_session;
        jQuery('body').children(
            '.modal, .modal-backdrop, .popover, .tooltip').remove();
        jQuery('body').removeClass('modal-open');
        for (const tab of Sao.Tab.tabs.splice(0)) {
            if (tab._chat) {
                try {
                    tab._chat.unregister();
                } catch (e) {
                    Sao.Logger.error(e.message, e.stack);
                }
            }
        }
        jQuery('#tablist').empty();
        jQuery('#tabcontent').empty();
        Sao.main_menu_screen = null;
        jQuery('#user-preferences').empty();
        jQuery('#global-search').empty();
        jQuery('#menu').empty();
        jQuery('.notification-badge').empty();
        if (database) {
            window.history.replaceState(
                null, '', '#' + encodeURIComponent(database));
            sessionStorage.removeItem('sao_context_' + database);
            localStorage.removeItem('sao_session_' + database);
            localStorage.removeItem(login_key(database));
        }
        Sao.set_title();
        if (session) {
            if (session.user_id) {
                Sao.Bus.unregister(`notification:${session.user_id}`,
                    Sao.NotificationMenu.notify);
            }
            session.do_logout().always(Sao.login);
        } else {
            Sao.login();
        }
    };

    var do_login = Sao.Session.prototype.do_login;
    Sao.Session.prototype.do_login = function() {
        return do_login.apply(this, arguments).done(() => {
            localStorage.setItem(login_key(this.database), String(Date.now()));
        });
    };
    var user_menu = Sao.user_menu;
    Sao.user_menu = function(preferences) {
        lock.start(preferences);
        return user_menu.apply(this, arguments);
    };
    var logout = Sao.logout;
    Sao.logout = function() {
        var database = lock.database;
        lock.stop();
        if (database) {
            localStorage.removeItem(login_key(database));
        }
        return logout.apply(this, arguments);
    };
    var renew = Sao.Session.renew;
    Sao.Session.renew = function(session) {
        // a 401: the session ended while the screen was left alone (or the
        // login is past its absolute limit): clear it rather than prompt
        if (lock.due()) {
            lock.lock();
            return jQuery.Deferred().reject().promise();
        }
        return renew.apply(this, arguments);
    };
}());
