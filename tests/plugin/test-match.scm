; tests/plugin/test-match.scm: plug-in-looklab-match in a real GIMP 3,
; checked against the CLI's `looklab match` of the same reference and
; against the core (look-check, see checks.txt).
;
;; setup: truncate @DATA@/models/looklab-neutralizer.safetensors trunc-neutralizer.safetensors 4000

(define graded-png (string-append data-dir "/sample/garden-after.png"))
(define photo-png (string-append data-dir "/sample/ladybird.png"))
(define colorize-model (string-append data-dir "/models/looklab-colorize.safetensors"))

(define ii (load-image photo-png))
(define img (car ii))
(define target (cadr ii))
(define reference (add-layer img graded-png))
; The reference as GIMP holds it, for the CLI to read the same pixels.
(define reference-png (export-png reference "reference.png"))

(define (match-ok name thunk)
  (let ((r (try thunk)))
    (check (string-append name ": succeeds") (not (failed? r)) (cdr r))
    r))

(define (stored-look? image)
  (member "plug-in-looklab/look" (gimp-image-get-parasite-list image)))

; --- (1) A reference layer: the plug-in's look is the CLI's ---------------

(define cube (path "matched.cube"))
(define matched
  (match-ok "match, reference layer"
    (lambda ()
      (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img
                             #:drawables (vector target)
                             #:reference reference #:file cube #:apply #t))))
(if (not (failed? matched))
    (let ((values (cdr matched)))
      (check "match: returns the saved file" (equal? (car values) cube) values)
      (check "match: returns a small in-sample dE00"
             (and (number? (cadr values)) (< (cadr values) 2.0)) values)
      ; garden-after's grade: the CLI says the reference moved by 2.37.
      (check "match: the reference moved by more than 1 dE00"
             (and (number? (caddr values)) (> (caddr values) 1.0)) values)))
(check "match: look stored on the image" (stored-look? img))
(check "match: target changed"
       (not (equal? (pixel target 100 100)
                    (pixel (cadr (load-image photo-png)) 100 100))))

; The CLI on the exported reference writes the same .cube (the fit is
; deterministic for a seed, whatever the threads).
(add-check "match-cli" reference-png cube "0.000001")

; The same match as a look file: the .cube is that look baked, and the
; target got that look (baked at 65, as Apply does).
(define look-file (path "matched.look"))
(match-ok "match to a look file, apply off"
  (lambda ()
    (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img
                           #:drawables (vector target)
                           #:reference reference #:file look-file #:apply #f)))
(add-check "cube" look-file cube)
(add-check "apply" look-file photo-png (export-png target "match-applied.png"))

; The stored look, with Apply and no file, gives the same result.
(let* ((copy (add-layer img photo-png))
       (r (try (lambda ()
                 (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                        #:image img #:drawables (vector copy))))))
  (check "apply the matched look stored in the image: succeeds"
         (not (failed? r)) (cdr r))
  (add-check "apply" look-file photo-png (export-png copy "stored-applied.png")))

; --- (2) A reference file ------------------------------------------------

(let* ((ii2 (load-image photo-png)) (img2 (car ii2)) (layer2 (cadr ii2))
       (keep (pixel layer2 10 10))
       (cube2 (path "matched-file.cube")))
  (match-ok "match, reference file"
    (lambda ()
      (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img2
                             #:drawables (vector layer2)
                             #:reference-file graded-png #:file cube2
                             #:apply #f)))
  (check "match, reference file: look stored" (stored-look? img2))
  (check "match with apply off: target unchanged"
         (equal? keep (pixel layer2 10 10)))
  (add-check "match-cli" graded-png cube2 "0.000001")
  ; A look file and strength 0.5, lut-size 17 and another work size: the
  ; CLI with the same options agrees.
  (match-ok "match, strength 0.5, size 512, lut-size 17"
    (lambda ()
      (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img2
                             #:drawables (vector layer2)
                             #:reference-file graded-png #:strength 0.5
                             #:size 512 #:lut-size 17 #:seed 3
                             #:file (path "half.cube") #:apply #f)))
  (add-check "match-cli" graded-png (path "half.cube") "0.000001"
             "--strength" "0.5" "--work-size" "512" "--size" "17" "--seed" "3")
  (gimp-image-delete img2))

; --- (3) Strength 0 is the identity ---------------------------------------

(let* ((ii3 (load-image photo-png)) (img3 (car ii3)) (layer3 (cadr ii3))
       (ref3 (add-layer img3 graded-png))
       (before-png (export-png layer3 "identity-before.png")))
  (match-ok "match, strength 0"
    (lambda ()
      (plug-in-looklab-match #:run-mode RUN-NONINTERACTIVE #:image img3
                             #:drawables (vector layer3) #:reference ref3
                             #:strength 0.0 #:apply #t)))
  (add-check "de00" before-png (export-png layer3 "identity-after.png") "0")
  (gimp-image-delete img3))

; --- (4) Errors change nothing -------------------------------------------

(define (expect-failure name thunk part)
  (let ((r (try thunk)))
    (check (string-append name ": error returned") (failed? r))
    (if (failed? r)
        (check (string-append name ": message says why")
               (contains? (error-text r) part) (error-text r)))))

(define keep-text
  "TITLE \"keep\"\nLUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n")
(define out-file (write-text "existing.cube" keep-text))
(write-text "existing-orig.cube" keep-text)
(define not-an-image (write-text "not-an-image.png" "hello"))

(let* ((ii4 (load-image photo-png)) (img4 (car ii4)) (layer4 (cadr ii4))
       (ref4 (add-layer img4 graded-png))
       (clear (gimp-layer-new img4 "clear" 64 64 RGBA-IMAGE 100
                              LAYER-MODE-NORMAL))
       (before-png (export-png layer4 "errors-before.png"))
       (bad (lambda (name part . args)
              (expect-failure name
                (lambda ()
                  (apply plug-in-looklab-match
                         (append (list #:run-mode RUN-NONINTERACTIVE
                                       #:image img4
                                       #:drawables (vector layer4)
                                       #:file out-file #:apply #t)
                                 args)))
                part))))
  (gimp-image-insert-layer img4 clear 0 0)
  (gimp-drawable-fill clear FILL-TRANSPARENT)
  (bad "no reference" "Choose the reference")
  (bad "both references" "not both"
       #:reference ref4 #:reference-file graded-png)
  (bad "truncated model" "not a valid look neutralizer"
       #:reference ref4 #:model (path "trunc-neutralizer.safetensors"))
  (bad "a colorization model" "not a valid look neutralizer"
       #:reference ref4 #:model colorize-model)
  ; GIMP itself refuses a file to open that does not exist (or is a
  ; folder), naming the argument, before the plug-in runs.
  (bad "missing model" "'model'"
       #:reference ref4 #:model (path "no-such-model.safetensors"))
  (bad "strength 1.5" "out of range" #:reference ref4 #:strength 1.5)
  (bad "missing reference file" "'reference-file'"
       #:reference-file (path "no-such-reference.png"))
  (bad "unreadable reference file" "Could not open"
       #:reference-file not-an-image)
  (bad "fully transparent reference" "fully transparent" #:reference clear)
  (check "errors: no look stored" (not (stored-look? img4)))
  (add-check "de00" before-png (export-png layer4 "errors-after.png") "0")
  (add-check "same" (path "existing-orig.cube") out-file)
  (gimp-image-delete img4))

(done)
