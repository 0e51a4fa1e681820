"""One service per role, the only callers of the store: the student's visit (visit.Visit), the
facilitator's group sessions (facilitator.FacilitatorService), and the adviser's students
(adviser.AdviserService, with adviser.AdviserRoster for the hosting side). The pages and the command line
both go through them, in the pattern of nbgrader's NbGraderAPI: a view or a command never opens a
transaction or decides a rule of its own.
"""
