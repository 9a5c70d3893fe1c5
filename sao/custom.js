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
