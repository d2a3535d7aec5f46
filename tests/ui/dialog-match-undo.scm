; tests/ui/dialog-match-undo.scm: one Edit > Undo takes back all that
; plug-in-looklab-match did (GIMP 3.0 has no undo in the PDB, so this runs
; in the real GIMP): the script matches the graded layer's look onto the
; photo, shows the image and opens the Export dialog, where it waits while
; run-dialog.sh presses Ctrl+Z once in the image window and then Escape in
; the dialog; it then writes files/undo.txt, which run-dialog.sh checks.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (graded (gimp-file-load-layer RUN-NONINTERACTIVE img
                 (string-append data-dir "/sample/garden-after.png")))
       (original #f)
       (matched #f))
  (gimp-image-insert-layer img graded 0 0)
  (set! original (gimp-drawable-get-pixel photo 100 100))
  (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector photo) #:reference graded
                         #:apply #t)
  (set! matched (gimp-drawable-get-pixel photo 100 100))
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (gimp-displays-flush)
  ; Cancelled with Escape: catch the error that makes.
  (catch #f
    (plug-in-looklab-export-cube #:run-mode RUN-INTERACTIVE #:image img
                                 #:drawables (vector photo)))
  (let ((port (open-output-file (string-append test-dir "/undo.txt")))
        (pixel (gimp-drawable-get-pixel photo 100 100))
        (stored (member "plug-in-looklab/look"
                        (gimp-image-get-parasite-list img))))
    (display (if (and (not (equal? original matched))
                      (equal? pixel original) (not stored))
                 "restored"
                 "NOT restored")
             port)
    (display " original " port) (display original port)
    (display " matched " port) (display matched port)
    (display " after one undo " port) (display pixel port)
    (display (if stored " look still stored" " no look stored") port)
    (newline port)
    (close-output-port port)))
