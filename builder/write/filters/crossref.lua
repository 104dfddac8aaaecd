-- Cross-references as Quarto words them in a PDF: @fig-x, @tbl-x, @eq-x, @sec-x and every
-- theorem kind become the kind's name and number (linked, numbered by
-- LaTeX); `$$ ... $$ {#eq-x}` becomes a numbered, labelled equation.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

Cite = latex.reference

-- pandoc reads the label of `$$ ... $$ {#eq-x}` as text after the display math.
local function label_equations(inlines)
  local out, i = pandoc.List(), 1
  while i <= #inlines do
    local el = inlines[i]
    local j, label = i + 1, nil
    if el.t == "Math" and el.mathtype == "DisplayMath" then
      while inlines[j] and (inlines[j].t == "Space" or inlines[j].t == "SoftBreak") do j = j + 1 end
      label = inlines[j] and inlines[j].t == "Str" and inlines[j].text:match("^{#(eq%-[^}%s]+)}$")
    end
    if label then  -- as Quarto writes it: the body in a labelled span's braces
      out:insert(latex.raw("\\begin{equation}\\protect\\phantomsection\\label{" .. label .. "}{"
        .. el.text .. "}\\end{equation}"))
      i = j + 1
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

function Para(el) el.content = label_equations(el.content); return el end
function Plain(el) el.content = label_equations(el.content); return el end
