; tests/ui/dialog-apply-filter.scm: the Apply dialog with its
; non-destructive toggle (on by default); run-dialog.sh presses OK, which
; adds looklab:apply to the layer's effects.  The script writes how many
; filters the layer then has and their operation into filters.txt, and
; opens the dialog again, so the second screenshot shows the layer with its
; effect (the fx mark in the Layers dock) and the toggle as left.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (cube (string-append test-dir "/warm.cube"))
       (port (open-output-file cube)))
  (display "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 0.8 0\n1 0.8 0\n0 0 0.6\n1 0 0.6\n0 0.8 0.6\n1 0.8 0.6\n" port)
  (close-output-port port)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-apply #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo) #:file cube)
  (let ((filters (gimp-drawable-get-filters photo))
        (out (open-output-file (string-append test-dir "/filters.txt"))))
    (display (vector-length filters) out)
    (if (> (vector-length filters) 0)
        (begin
          (display " " out)
          (display (gimp-drawable-filter-get-operation-name
                    (vector-ref filters 0)) out)))
    (newline out)
    (close-output-port out))
  (gimp-displays-flush)
  (plug-in-looklab-apply #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo)))
