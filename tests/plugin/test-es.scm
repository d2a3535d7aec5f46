; tests/plugin/test-es.scm: run with LOOKLAB_TEST_LANG=es_ES.UTF-8; the
; plug-in's catalog, staged beside it as an install places it, must turn
; its messages into Spanish.

(let* ((ii (make-image 4 4 RGB-IMAGE '(10 100 200)))
       (r (try (lambda ()
                 (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                        #:image (car ii)
                                        #:drawables (vector (cadr ii)))))))
  (check "es: error returned" (failed? r))
  (if (failed? r)
      (check "es: message in Spanish"
             (contains? (error-text r) "no contiene") (error-text r))))

(let* ((img (gimp-image-new 4 4 RGB))
       (layer (gimp-layer-new img "capa" 4 4 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img layer 0 0)
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE
                              4 FALSE FALSE "")
  (let ((r (try (lambda ()
                  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                         #:image img #:drawables (vector layer)
                                         #:file (write-text "ok.cube" "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"))))))
    (check "es: indexed message in Spanish"
           (and (failed? r) (contains? (error-text r) "indexada"))
           (error-text r))))

; A malformed .cube: the sentence and its line number in Spanish.
(let* ((ii (make-image 4 4 RGB-IMAGE '(10 100 200)))
       (r (try (lambda ()
                 (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                        #:image (car ii)
                                        #:drawables (vector (cadr ii))
                                        #:file (write-text "bad.cube" "LUT_3D_SIZE 2\n0 0 x\n"))))))
  (check "es: malformed .cube message in Spanish"
         (and (failed? r) (contains? (error-text r) "la línea 2 es errónea"))
         (error-text r)))

; Colorize with a file that is not a model.
(let* ((ii (make-image 4 4 RGB-IMAGE '(10 100 200)))
       (r (try (lambda ()
                 (plug-in-looklab-colorize
                   #:run-mode RUN-NONINTERACTIVE #:image (car ii)
                   #:drawables (vector (cadr ii))
                   #:model (write-text "bad.safetensors" "no\n"))))))
  (check "es: bad colorization model message in Spanish"
         (and (failed? r)
              (contains? (error-text r) "no es un modelo de coloración válido"))
         (error-text r)))

(done)
