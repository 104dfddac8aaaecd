-- Divs with a `latex` or `data-latex` attribute and a class (R Markdown's convention,
-- which Quarto's PDF keeps): the first class names a LaTeX environment around the div,
-- the attribute's value follows \begin{...} as its arguments ("1" and "true": none).
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

function Div(div)
  local args = div.attributes["latex"] or div.attributes["data-latex"]
  if not args or #div.classes == 0 then return nil end
  if args == "1" or args:lower() == "true" then args = "" end
  local open, close = "\\begin{" .. div.classes[1] .. "}" .. args, "\\end{" .. div.classes[1] .. "}"
  local first, last = div.content[1], div.content[#div.content]
  if first and first.t == "Para" and last.t == "Para" then  -- no paragraph break inside
    first.content:insert(1, latex.raw(open .. "\n"))
    last.content:insert(latex.raw("\n" .. close))
  else
    div.content:insert(1, latex.rawblock(open))
    div.content:insert(latex.rawblock(close))
  end
  return div
end
