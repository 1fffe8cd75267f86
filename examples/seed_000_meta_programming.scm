;; Problem: Analyze Stripe payment data with unknown schema
;; Why this pattern: Never seen this API format before, don't know optimal approach

;; Step 1: Inspect data sample
(define sample (py-exec "
import json
data = json.loads(context) if isinstance(context, str) else context
sample = data[:2] if isinstance(data, list) else [data]
print(json.dumps(sample, indent=2))
"))

(display "Data sample:\n")
(display (py-exec "print(sample[:500])"))
(display "\n\n")

;; Step 2: Get API reference for sub-model
;; (In real use: Call get_code_generation_api_reference MCP tool)
(define api-ref "
CRITICAL: Use #: for keyword args (#:instruction, #:data, #:model)
MUST unwrap with (syntax-e result) before using as string

Available functions:
- (llm-query #:instruction \"...\" #:data \"...\" #:model \"...\")
- (py-exec \"code\") - returns stdout
- (py-eval \"expr\") - returns value
- (py-set! \"var\" value) - safe transfer
- (map-async fn items) - parallel processing
- (string-append ...) - concatenate strings
- (finish result) - return final answer
")

;; Step 3: Model writes custom analysis code
(define analysis-code (unsafe-raw-query
  #:instruction (string-append
    "You are writing Scheme code for rlm-scheme sandbox.

TASK: Analyze this Stripe payment data. Write code that:
1. Uses py-exec to compute: total revenue, average transaction, top 5 customers
2. Uses llm-query to identify anomalies/fraud patterns
3. Stores result in variable `final_report` (string)
4. Do NOT call (finish) - just define the variable

DATA SAMPLE:
" sample "

API REFERENCE:
" api-ref "

Return ONLY Scheme code, no explanations.")
  #:model "code-davinci-002"  ;; Strong code generation model
  #:temperature 0.0
  #:max-tokens 2000))

(display "Generated analysis code:\n")
(display analysis-code)
(display "\n\n=== EXECUTING ===\n")

;; Step 4: Execute the generated strategy
(unsafe-exec-sub-output (datum->syntax #f analysis-code))

;; Step 5: Return the variable it defined
(finish-var "final_report")
