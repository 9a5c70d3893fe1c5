/* Caseload's additions to the sao web client (served as custom.js, which
 * sao's index.html loads after tryton-sao.js).
 *
 * One click on a list-row button. In sao 8.0 a button in a list row acts
 * only on the current record: Sao.View.Tree.ButtonColumn.button_clicked
 * returns early ("Need to raise the event to get the record selected")
 * when the row is not yet selected, so the first click merely selects the
 * row and a second click is needed to press the button. Here the click
 * selects that row itself (as a plain click on the row would: only this
 * row selected, current record set) and then presses the button in the
 * same click. */
(function() {
    'use strict';
    var ButtonColumn = Sao.View.Tree.ButtonColumn;
    var button_clicked = ButtonColumn.prototype.button_clicked;
    ButtonColumn.prototype.button_clicked = function(event) {
        var record = event.data[0];
        var view = this.view;
        if (record != view.screen.current_record) {
            var row = view.rows.find(function(row) {
                return row.record == record;
            });
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
        return button_clicked.call(this, event);
    };
}());
