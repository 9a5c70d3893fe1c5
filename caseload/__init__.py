"Caseload operator tool: create databases, load the demo practice, serve."
